_base_ = '../py/base_model.py'
depth = {{_base_.model.dpth}}
