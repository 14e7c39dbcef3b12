"""Physiology: nerve excitability (and, later, magnesium homeostasis) models."""
