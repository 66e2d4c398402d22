"""Catalog service: unit groups, products, price lists, discount lists and exact pricing."""
