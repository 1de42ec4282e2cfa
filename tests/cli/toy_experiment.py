"""A registered toy dataset, classifier and metric; tests copy this file as a custom import."""
import torch
from torch import nn

from mmlightning.evaluator import BaseMetric
from mmlightning.model import BaseModel
from mmlightning.registry import DATASETS, METRICS, MODELS


@DATASETS.register_module(force=True)
class CliPoints(torch.utils.data.Dataset):
    def __init__(self, size=12, seed=0):
        generator = torch.Generator().manual_seed(seed)
        self.points = torch.randn(size, 4, generator=generator)
        self.labels = (self.points.sum(1) > 0).long()

    def __len__(self):
        return len(self.points)

    def __getitem__(self, index):
        return dict(inputs=self.points[index], data_samples=self.labels[index])


@MODELS.register_module(force=True)
class CliClassifier(BaseModel):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 2)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        logits = self.linear(torch.stack(inputs))
        if mode == 'loss':
            return dict(loss=nn.functional.cross_entropy(logits, torch.stack(data_samples)))
        return [dict(pred=int(p), gt=int(g)) for p, g in zip(logits.argmax(1), data_samples)]


@METRICS.register_module(force=True)
class CliAccuracy(BaseMetric):
    def process(self, data_batch, data_samples):
        self.results.extend(float(s['pred'] == s['gt']) for s in data_samples)

    def compute_metrics(self, results):
        return dict(acc=sum(results) / len(results))
