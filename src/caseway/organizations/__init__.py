"""The association, its member institutions, their centers, departments and clinicians."""
