"""``make bench``: the platform's speed as ratios against the same machine's raw limits."""
