"""Planning: normalise desired and live state, compute the typed changes between them."""
