"""The Fozzy Wine Recommendation API (reference image of inboxwine.fozzy)."""
