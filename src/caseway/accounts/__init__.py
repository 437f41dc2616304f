"""People, their roles (memberships in the association, an institution or a center), API tokens."""
