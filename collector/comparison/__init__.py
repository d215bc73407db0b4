"""Agencies (or ministries) compared side by side: ``/staff/results/agencies``."""
