_base_ = './base_model.py'

model = dict(_delete_=True, type='VGG', depth=16)
