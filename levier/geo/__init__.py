"""Geometry prepared for display and distance: reference layers, overseas and Paris insets."""
