"""Registry helpers: walking registry trees and counting what they hold."""
from __future__ import annotations

from .registry import Registry


def traverse_registry_tree(registry: Registry, verbose: bool = True) -> list[dict]:
    """List every registry in ``registry``'s subtree with its registered names.

    Returns:
        One ``dict(num_modules=..., scope=..., name=..., modules=[...])`` per registry.
    """
    found = []

    def visit(node: Registry) -> None:
        found.append(dict(num_modules=len(node.module_dict), scope=node.scope,
                          name=node.name, modules=sorted(node.module_dict)))
        for child in node.children.values():
            visit(child)

    visit(registry)
    if verbose:
        for item in found:
            print(f"{item['scope']}::{item['name']}: {item['num_modules']} modules")
    return found


def count_registered_modules(verbose: bool = True) -> dict[str, list[dict]]:
    """Count the modules of every root registry (and children), by registry name."""
    from . import root

    registries = {name: value for name, value in vars(root).items()
                  if isinstance(value, Registry) and name != 'COLLATE_FUNCTIONS'}
    return {name.lower(): traverse_registry_tree(reg, verbose) for name, reg in registries.items()}
