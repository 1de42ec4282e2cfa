"""MMEngine's distributed helpers (``mmengine.dist``) on the default process group.

Lightning's strategies create the default ``torch.distributed`` group; these
functions use it (or the ``group`` passed) and are no-ops / identities in a
single process, so metrics and user code call them unconditionally.
"""
from .collect import collect_results, collect_results_cpu, collect_results_gpu
from .data_device import cast_data_device, get_comm_device, get_data_device
from .dist import (
    all_gather,
    all_gather_object,
    all_reduce,
    all_reduce_dict,
    all_reduce_params,
    broadcast,
    broadcast_object_list,
    gather,
    gather_object,
    sync_random_seed,
)
from .utils import (
    barrier,
    get_backend,
    get_default_group,
    get_dist_info,
    get_local_group,
    get_local_rank,
    get_local_size,
    get_rank,
    get_world_size,
    infer_launcher,
    init_dist,
    init_local_group,
    is_distributed,
    is_main_process,
    master_only,
)

__all__ = [
    'all_gather', 'all_gather_object', 'all_reduce', 'all_reduce_dict', 'all_reduce_params',
    'barrier', 'broadcast', 'broadcast_object_list', 'cast_data_device', 'collect_results',
    'collect_results_cpu', 'collect_results_gpu', 'gather', 'gather_object', 'get_backend',
    'get_comm_device', 'get_data_device', 'get_default_group', 'get_dist_info',
    'get_local_group', 'get_local_rank', 'get_local_size', 'get_rank', 'get_world_size',
    'infer_launcher', 'init_dist', 'init_local_group', 'is_distributed', 'is_main_process',
    'master_only', 'sync_random_seed',
]
