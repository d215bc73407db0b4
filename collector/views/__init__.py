"""Blueprints: the citizen survey pages, the JSON API and the meta endpoints."""
