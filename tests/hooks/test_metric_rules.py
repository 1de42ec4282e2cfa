"""infer_rule: which direction of a metric is better, by its name (MMEngine's keys)."""
import pytest

from mmlightning.hooks.metric_rules import infer_rule


@pytest.mark.parametrize('key, rule', [
    ('accuracy/top1', 'greater'), ('mAP', 'greater'), ('val/LOSS', 'less'), ('loss_cls', 'less'),
    ('fps', None)])
def test_default_keys(key, rule):
    assert infer_rule(key) == rule


def test_exact_match_wins_over_part_of_name():
    assert infer_rule('top_loss', greater_keys=['top'], less_keys=['top_loss']) == 'less'
    assert infer_rule('top_loss', greater_keys=['top'], less_keys=['loss']) == 'greater'
