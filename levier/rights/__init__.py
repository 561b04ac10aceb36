"""Who may see what: scopes, the access file, the small-count disclosure rule."""
