"""The demo database: fictive returns and funding generated deterministically, and the database build."""
