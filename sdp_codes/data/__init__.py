"""SDP catalogue data (package data, written only by scripts/update_sdp.py)."""
