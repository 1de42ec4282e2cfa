_base_ = '../py/base_model.py'
optimizer = dict(_delete_=True, type='SGD')
