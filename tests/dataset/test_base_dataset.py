"""BaseDataset: metainfo, paths, loading, serialization, subsets, refetch and errors."""
from __future__ import annotations

import json
import os.path as osp
import pickle

import numpy as np
import pytest
import yaml

from mmlightning.config import Config
from mmlightning.dataset import BaseDataset, Compose, force_full_init
from mmlightning.registry import TRANSFORMS


@TRANSFORMS.register_module(name='_DatasetTestAddKey', force=True)
class AddKey:
    def __init__(self, key: str = 'added', value: int = 1) -> None:
        self.key, self.value = key, value

    def __call__(self, results: dict) -> dict:
        results[self.key] = self.value
        return results


def test_paths_are_joined_with_data_root(tmp_path, ann_file):
    dataset = BaseDataset(ann_file='ann.json', data_root=str(ann_file.parent),
                          data_prefix=dict(img_path='images'))
    assert dataset.ann_file == osp.join(str(ann_file.parent), 'ann.json')
    assert dataset.data_prefix == dict(img_path=osp.join(str(ann_file.parent), 'images'))
    info = dataset.get_data_info(2)
    assert info['img_path'] == osp.join(str(ann_file.parent), 'images', 'img_2.jpg')
    assert info['sample_idx'] == 2
    assert dataset.get_data_info(-1)['sample_idx'] == len(dataset) - 1 == 5


def test_absolute_prefix_is_kept_and_url_prefix_joined_with_slash(ann_file):
    dataset = BaseDataset(ann_file=str(ann_file), data_root='/root',
                          data_prefix=dict(img_path='/abs/images'))
    assert dataset.ann_file == str(ann_file)
    assert dataset.get_data_info(0)['img_path'] == '/abs/images/img_0.jpg'
    url = BaseDataset(ann_file=str(ann_file), data_prefix=dict(img_path='s3://bucket/imgs/'))
    assert url.get_data_info(0)['img_path'] == 's3://bucket/imgs/img_0.jpg'


def test_annotations_and_meta_files_on_a_url(ann_file):
    """``data_root`` on any fsspec URL: the annotation file and a meta file are read there."""
    import fsspec

    memory = fsspec.filesystem('memory')
    memory.pipe_file('/dataset-url-test/ann.json', ann_file.read_bytes())
    memory.pipe_file('/dataset-url-test/classes.txt', b'cat\ndog\n')
    try:
        dataset = BaseDataset(ann_file='ann.json', data_root='memory://dataset-url-test',
                              data_prefix=dict(img_path='images'),
                              metainfo=dict(classes='memory://dataset-url-test/classes.txt'))
        assert dataset.ann_file == 'memory://dataset-url-test/ann.json'
        assert dataset.get_data_info(1)['img_path'] == 'memory://dataset-url-test/images/img_1.jpg'
        assert dataset.metainfo['classes'] == ['cat', 'dog'] and len(dataset) == 6
        kept = BaseDataset(ann_file='memory://dataset-url-test/ann.json', data_root='/elsewhere')
        assert kept.ann_file == 'memory://dataset-url-test/ann.json'
    finally:
        memory.rm('/dataset-url-test', recursive=True)


def test_metainfo_precedence(ann_file):
    class WithMeta(BaseDataset):
        METAINFO = dict(task='from_class', palette=[1, 2])

    dataset = WithMeta(ann_file=str(ann_file), metainfo=dict(palette=[3]))
    assert dataset.metainfo == dict(task='from_class', palette=[3], classes=['a', 'b', 'c'])
    assert WithMeta.METAINFO == dict(task='from_class', palette=[1, 2])
    meta = dataset.metainfo
    meta['classes'].append('z')
    assert dataset.metainfo['classes'] == ['a', 'b', 'c']


def test_metainfo_str_value_naming_a_file_is_read_as_lines(tmp_path, ann_file):
    classes = tmp_path / 'classes.txt'
    classes.write_text('cat\ndog\r\nbird\n')
    dataset = BaseDataset(ann_file=str(ann_file),
                          metainfo=dict(classes=str(classes), name='not/a/file'))
    assert dataset.metainfo['classes'] == ['cat', 'dog', 'bird']
    assert dataset.metainfo['name'] == 'not/a/file'


def test_metainfo_must_be_a_mapping_or_a_config(ann_file):
    with pytest.raises(TypeError, match=r'metainfo should be a Mapping or Config.*takes a dict, '
                                        r"a Config or None as metainfo, got \['a'\]"):
        BaseDataset(ann_file=str(ann_file), metainfo=['a'])
    dataset = BaseDataset(ann_file=str(ann_file), metainfo=Config(dict(classes=('dog',))))
    assert dataset.metainfo['classes'] == ('dog',)


@pytest.mark.parametrize('suffix', ['yaml', 'yml', 'pkl'])
def test_yaml_and_pickle_annotations(tmp_path, suffix):
    content = dict(metainfo=dict(classes=['x']), data_list=[dict(img_path='a.jpg')])
    path = tmp_path / f'ann.{suffix}'
    if suffix == 'pkl':
        path.write_bytes(pickle.dumps(content))
    else:
        path.write_text(yaml.safe_dump(content))
    dataset = BaseDataset(ann_file=str(path))
    assert dataset.metainfo == dict(classes=['x'])
    assert dataset.get_data_info(0) == dict(img_path='a.jpg', sample_idx=0)


def test_missing_annotation_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.json') as excinfo:
        BaseDataset(ann_file='missing.json', data_root=str(tmp_path))
    assert str(tmp_path) in str(excinfo.value)
    assert any('data_root' in note for note in excinfo.value.__notes__)


def test_empty_ann_file_asks_for_a_file_or_an_override():
    with pytest.raises(TypeError, match='ann_file is empty.*override load_data_list'):
        BaseDataset()


def test_unsupported_annotation_format(tmp_path):
    path = tmp_path / 'ann.txt'
    path.write_text('x')
    with pytest.raises(TypeError, match=r"Unsupported annotation format 'txt'"):
        BaseDataset(ann_file=str(path))


def test_annotation_file_layout_is_checked(tmp_path):
    path = tmp_path / 'ann.json'
    path.write_text(json.dumps(dict(data_list=[])))
    with pytest.raises(ValueError, match=r'"data_list" and "metainfo".*got \[\'data_list\'\]'):
        BaseDataset(ann_file=str(path))
    path.write_text(json.dumps([1, 2]))
    with pytest.raises(TypeError, match='must hold a dict.*got list'):
        BaseDataset(ann_file=str(path))


def test_missing_prefix_key_in_sample(ann_file):
    with pytest.raises(KeyError, match="data_prefix has the key 'seg_path'"):
        BaseDataset(ann_file=str(ann_file), data_prefix=dict(seg_path='segs'))


def test_prefix_must_be_str(ann_file):
    with pytest.raises(TypeError, match=r"data_prefix\['img_path'\] must be a str, got int"):
        BaseDataset(ann_file=str(ann_file), data_prefix=dict(img_path=3))


def test_parse_data_info_may_return_several_samples(ann_file):
    class Frames(BaseDataset):
        def parse_data_info(self, raw):
            return [dict(raw, frame=0), dict(raw, frame=1)]

    dataset = Frames(ann_file=str(ann_file))
    assert len(dataset) == 12
    assert [dataset.get_data_info(i)['frame'] for i in range(3)] == [0, 1, 0]

    class Bad(BaseDataset):
        def parse_data_info(self, raw):
            return 'oops'

    with pytest.raises(TypeError, match="parse_data_info must return a dict or a list of dicts"):
        Bad(ann_file=str(ann_file))


@pytest.mark.parametrize('serialize_data', [True, False])
def test_serialized_and_plain_storage_agree(ann_file, serialize_data):
    dataset = BaseDataset(ann_file=str(ann_file), serialize_data=serialize_data)
    assert len(dataset) == 6
    assert [dataset.get_data_info(i)['label'] for i in range(6)] == [0, 1, 2, 0, 1, 2]
    info = dataset.get_data_info(0)
    info['label'] = 99
    assert dataset.get_data_info(0)['label'] == 0
    if serialize_data:
        assert dataset.data_list == []
        assert dataset.data_bytes.dtype == np.uint8 and dataset.data_bytes.ndim == 1
        assert dataset.data_address.tolist()[-1] == dataset.data_bytes.size


@pytest.mark.parametrize('serialize_data', [True, False])
@pytest.mark.parametrize('indices, expected', [
    (2, [0, 1]), (-2, [4, 5]), ([5, 0, 3], [5, 0, 3]), ([], []), (0, []), (-6, list(range(6))),
])
def test_indices_and_subsets(ann_file, serialize_data, indices, expected):
    def labels_of(dataset):
        return [int(dataset.get_data_info(i)['img_path'][4]) for i in range(len(dataset))]

    sliced = BaseDataset(ann_file=str(ann_file), indices=indices, serialize_data=serialize_data)
    assert labels_of(sliced) == expected
    full = BaseDataset(ann_file=str(ann_file), serialize_data=serialize_data)
    subset = full.get_subset(indices)
    assert labels_of(subset) == expected and len(full) == 6
    assert subset.pipeline is not full.pipeline
    if serialize_data:
        assert subset.data_list == [] and not np.shares_memory(subset.data_bytes, full.data_bytes)
    full.get_subset_(indices)
    assert labels_of(full) == expected


def test_subset_index_out_of_range(ann_file):
    dataset = BaseDataset(ann_file=str(ann_file))
    with pytest.raises(IndexError, match='index 6 is out of range for a dataset of length 6'):
        dataset.get_subset([6])
    with pytest.raises(IndexError, match='cannot take 7 items'):
        dataset.get_subset(7)
    with pytest.raises(TypeError, match='indices must be an int or a sequence of ints'):
        dataset.get_subset(1.5)


def test_lazy_init_loads_on_first_use(ann_file):
    dataset = BaseDataset(ann_file=str(ann_file), lazy_init=True)
    assert not dataset._fully_initialized and dataset.metainfo == {}
    assert len(dataset) == 6
    assert dataset._fully_initialized
    assert dataset.metainfo['classes'] == ['a', 'b', 'c']
    lazy = BaseDataset(ann_file=str(ann_file), lazy_init=True, pipeline=[AddKey()])
    assert lazy[0]['added'] == 1


def test_filter_data_and_filter_cfg(ann_file):
    class Filtered(BaseDataset):
        def filter_data(self):
            keep = self.filter_cfg['label']
            return [info for info in self.data_list if info['label'] == keep]

    dataset = Filtered(ann_file=str(ann_file), filter_cfg=dict(label=1))
    assert [dataset.get_data_info(i)['img_path'] for i in range(len(dataset))] == \
        ['img_1.jpg', 'img_4.jpg']


def test_everything_filtered_out_gives_an_empty_dataset(ann_file):
    class Empty(BaseDataset):
        def filter_data(self):
            return []

    assert len(Empty(ann_file=str(ann_file))) == 0


def test_pipeline_from_configs_and_callables(ann_file):
    dataset = BaseDataset(ann_file=str(ann_file), pipeline=[
        dict(type='_DatasetTestAddKey', key='k', value=7), lambda r: {**r, 'twice': r['k'] * 2}])
    assert isinstance(dataset.pipeline, Compose)
    sample = dataset[3]
    assert sample['k'] == 7 and sample['twice'] == 14 and sample['sample_idx'] == 3


def test_unknown_transform_type_suggests_a_name(ann_file):
    with pytest.raises(KeyError, match="Did you mean '_DatasetTestAddKey'"):
        BaseDataset(ann_file=str(ann_file), pipeline=[dict(type='_DatasetTestAddKye')])


def test_refetch_draws_another_sample_when_the_pipeline_drops_one(ann_file):
    dataset = BaseDataset(ann_file=str(ann_file),
                          pipeline=[lambda r: None if r['sample_idx'] == 0 else r])
    np.random.seed(0)
    assert dataset[0]['sample_idx'] != 0


def test_refetch_gives_up_naming_the_index(ann_file):
    calls = []
    dataset = BaseDataset(ann_file=str(ann_file), max_refetch=3,
                          pipeline=[lambda r: calls.append(r['sample_idx'])])
    with pytest.raises(RuntimeError, match='after 3 refetches, starting from index 4'):
        dataset[4]
    assert len(calls) == 4 and calls[0] == 4


def test_test_mode_never_refetches(ann_file):
    dataset = BaseDataset(ann_file=str(ann_file), test_mode=True, pipeline=[lambda r: None])
    with pytest.raises(RuntimeError, match='returned None for sample 2 in test mode'):
        dataset[2]


def test_transform_error_keeps_its_type_and_names_transform_and_index(ann_file):
    def broken(results):
        raise ValueError('bad pixel')

    dataset = BaseDataset(ann_file=str(ann_file), pipeline=[AddKey(), broken])
    with pytest.raises(ValueError, match='bad pixel') as excinfo:
        dataset[5]
    notes = excinfo.value.__notes__
    assert any('pipeline[1]' in note and 'broken' in note for note in notes)
    assert any('sample 5 of BaseDataset' in note for note in notes)


def test_compose_rejects_non_callables():
    with pytest.raises(TypeError, match=r'pipeline\[1\] must be a config dict or a callable'):
        Compose([AddKey(), 3])
    assert Compose(None)(dict(a=1)) == dict(a=1)
    assert Compose([lambda r: None, AddKey()])(dict(a=1)) is None
    assert 'AddKey' in repr(Compose([AddKey()]))


def test_get_cat_ids_is_for_subclasses(ann_file, toy_dataset):
    with pytest.raises(NotImplementedError, match='must implement get_cat_ids'):
        BaseDataset(ann_file=str(ann_file)).get_cat_ids(0)
    assert toy_dataset(ann_file=str(ann_file)).get_cat_ids(4) == [1]


def test_load_data_list_is_the_one_override(list_dataset):
    dataset = list_dataset([dict(x=i, cat_ids=[0]) for i in range(4)], indices=[3, 1])
    assert len(dataset) == 2 and dataset.get_data_info(0) == dict(x=3, cat_ids=[0], sample_idx=0)


def test_force_full_init_needs_full_init():
    class NoInit:
        @force_full_init
        def size(self):
            return 1

    with pytest.raises(AttributeError, match='NoInit has no full_init method'):
        NoInit().size()


def test_dataset_is_picklable_for_workers(tmp_path, write_annotations):
    path = write_annotations(tmp_path / 'ann.json', num_samples=3)
    dataset = BaseDataset(ann_file=str(path), pipeline=[AddKey()])
    clone = pickle.loads(pickle.dumps(dataset))
    assert clone[2] == dataset[2]
