"""Foundations every layer may use: settings, text normalisation, the French formatter."""
