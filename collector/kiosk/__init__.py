"""The counter kiosk: a paired tablet that takes anonymous answers, offline too (docs/kiosk.md)."""
