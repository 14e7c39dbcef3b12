"""Foods: SR28 access and search."""
