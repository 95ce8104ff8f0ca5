"""Lab engine: lab folders, loading, rendering, lint."""
