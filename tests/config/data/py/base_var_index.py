_base_ = ['./base_model.py', './base_schedule.py']

first_scheduler = {{_base_.param_scheduler.0}}
