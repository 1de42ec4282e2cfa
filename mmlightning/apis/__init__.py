"""Inference helpers (init_model, inference_model): lands with the product-surface issue."""
