"""Configuration, database and security of the web app."""
