work_dir = './work_dirs/{{ fileBasenameNoExtension }}'
source = dict(dir='{{ fileDirname }}', name='{{ fileBasename }}', ext='{{fileExtname}}')
