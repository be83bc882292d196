"""Dispatch: incidents, units and assignments; state machines and unit recommendation (pure)."""
