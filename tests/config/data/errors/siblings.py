_base_ = ['./sibling_a.py', './sibling_b.py']
