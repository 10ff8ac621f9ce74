"""The developers' social graph: a Watts-Strogatz small world drawn in batch, along which
news of revocations travels (ODD §7.3)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

MAX_REDRAWS = 100
"""Rounds of redrawing rewirings that landed on a taken partner (sparse graphs need two
or three; a rewiring still without a partner after them keeps its lattice tie)."""


def watts_strogatz_edges(n: int, k: int, p: float, rng: np.random.Generator) -> np.ndarray:
    """The n k / 2 edges of a Watts-Strogatz small world, drawn in batch.

    networkx's construction (`networkx.watts_strogatz_graph`) with the rewirings drawn at
    once: a ring lattice where each node links to its k/2 successors, then each lattice
    tie (u, v) is rewired with probability p to (u, w), w uniform among the nodes that are
    not u and not tied to u. A tie counts as taken while it exists: lattice ties that stay,
    ties already rewired, and lattice ties still waiting to be rewired; a draw that lands on
    one is redrawn in the next round. networkx rewires tie by tie in a fixed order, so for
    tiny dense graphs the two differ slightly (by order k/n); at the model's sizes they
    agree (tested). networkx takes ~40 ms at 10,000 developers and most of a gigabyte at
    1,000,000. Draws come from `rng` (the model's init stream).
    """
    u = np.repeat(np.arange(n, dtype=np.int64), k // 2)
    v = (u + np.tile(np.arange(1, k // 2 + 1, dtype=np.int64), n)) % n
    rewire = rng.random(u.size) < p
    taken = np.sort(key(u[~rewire], v[~rewire], n))
    todo = np.flatnonzero(rewire)
    for _ in range(MAX_REDRAWS):
        if not todo.size:
            break
        waiting = np.sort(key(u[todo], v[todo], n))
        w = rng.integers(0, n, size=todo.size)
        keys = key(u[todo], w, n)
        clash = (w == u[todo]) | sorted_contains(taken, keys) | sorted_contains(waiting, keys)
        _, first = np.unique(keys, return_index=True)
        repeated = np.ones(todo.size, dtype=bool)
        repeated[first] = False
        ok = ~clash & ~repeated
        v[todo[ok]] = w[ok]
        taken = np.sort(np.concatenate([taken, keys[ok]]))
        todo = todo[~ok]
    return np.column_stack([u, v])


def key(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """One integer per undirected edge {a, b} on n nodes."""
    keys: np.ndarray = np.minimum(a, b) * n + np.maximum(a, b)
    return keys


def sorted_contains(haystack: np.ndarray, needles: np.ndarray) -> np.ndarray:
    """Which `needles` occur in the sorted array `haystack`."""
    at = np.searchsorted(haystack, needles).clip(max=max(haystack.size - 1, 0))
    return np.asarray(haystack[at] == needles) if haystack.size else np.zeros(needles.size, bool)


def adjacency(edges: np.ndarray, n: int) -> sp.csr_array:
    """The symmetric adjacency matrix of the undirected `edges` on nodes 0..n-1."""
    rows = np.concatenate([edges[:, 0], edges[:, 1]])
    cols = np.concatenate([edges[:, 1], edges[:, 0]])
    ones = np.ones(rows.size, dtype=np.float32)
    return sp.csr_array((ones, (rows, cols)), shape=(n, n))
