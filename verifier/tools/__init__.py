"""Operator tools built on the core (bench, eval); the core never imports them."""
