"""physics wing."""
