"""The adapter to Lightning: MMLightningModule, MMDataModule, Trainer translation."""
