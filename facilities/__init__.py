"""Facilities: the safe places a team may take a person (crisis receiving, stabilization, …)."""
