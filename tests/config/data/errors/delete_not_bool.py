_base_ = '../py/base_model.py'
model = dict(_delete_='yes', type='VGG')
