"""Shared plumbing for every domain app: the access gate, versioned rows, API errors, UI bases.

This app defines no domain models; abstract model mixins only.
"""
