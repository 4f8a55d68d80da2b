"""Search engines, one folder each: every engine-specific import lives in its own folder."""
