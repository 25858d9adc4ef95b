"""Catalog: products, their variants and images, and the stock each variant holds."""
