"""`make bench`: Reelgraph side by side with PostGraphile and a bare HTTP ceiling."""
