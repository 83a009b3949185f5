"""Random draws for the generator: one stream per purpose, weighted picks without per-call setup."""

import random
from bisect import bisect
from itertools import accumulate


def seeded(seed, purpose):
    """An independent random stream per purpose, so that adding draws to one
    part of the generator does not change what the others draw."""
    return random.Random(f"phananh-generate:{seed}:{purpose}")


class Weighted:
    """`random.choices(items, weights)[0]` with the cumulative weights computed
    once: the generator draws tens of millions of times from a few tables."""

    def __init__(self, weights):
        """`weights`: a mapping item → weight, or (items, weights)."""
        items, values = (list(weights), list(weights.values())) if hasattr(weights, "values") else weights
        self.items = list(items)
        self.cumulative = list(accumulate(values))
        self.total = self.cumulative[-1]

    def pick(self, rng):
        return self.items[bisect(self.cumulative, rng.random() * self.total)]
