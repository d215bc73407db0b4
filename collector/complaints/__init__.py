"""Complaint cases (陳情): intake, handling deadlines and the working-day calendar.

The calendar (``calendar``) and the deadline rules (``deadlines``) are pure: no
Flask and no database, so they can be tested exhaustively and reused by plugins.
"""
