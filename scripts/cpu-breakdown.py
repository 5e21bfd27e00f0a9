#!/usr/bin/env python3
"""CPU-seconds of an archive launch by part, from async-profiler's collapsed output (issue 23).

  scripts/cpu-breakdown.py JOB.collapsed [INTERVAL_S]

The profile must be taken per thread (event=cpu,interval=1ms,threads,collapsed; see docs/performance.md).
Each sample goes to the first rule that matches its stack, from top to bottom; INTERVAL_S (default 0.001)
turns samples into seconds.
"""
import collections
import sys


def has(stack, *words):
    return any(w in stack for w in words)


def classify(thread, stack, frames):
    if has(stack, 'CompileBroker', 'C1 Compiler', 'C2 Compiler'):
        return 'JIT', ''
    if thread.startswith('[VM Thread') or has(stack, 'GenCollectedHeap', 'DefNewGeneration', 'SerialHeap',
                                              'TenuredGeneration', 'MarkSweep'):
        return 'GC', ''
    if thread.startswith(('[main', '[schema-migration', '[background-preinit', '[parquet-warm-up', '[tid=')) \
            and not has(stack, 'JobLauncher', 'JobOperator', 'AbstractStep', 'TaskletStep'):
        return 'start-up', thread.split(' ')[0].strip('[]')
    if has(stack, 'ZSTD_', 'HUF_', 'FSE_', 'HIST_', 'Zstd'):
        return 'compression', ''
    if has(stack, 'sha256', 'SHA2', 'MessageDigest'):
        return 'hashing', ''
    if has(stack, 'entry_SYSCALL_64', 'asm_exc_page_fault', 'exc_page_fault'):
        if has(stack, 'PGStream', 'VisibleBufferedInputStream', 'SocketInputStream', 'NioSocketImpl.read'):
            return 'system calls', 'socket reads'
        if has(stack, 'socketWrite', 'NioSocketImpl.write', 'PGStream.flush', 'PGStream.send'):
            return 'system calls', 'socket writes'
        if has(stack, 'FileOutputStream', 'FileChannel', 'FileDispatcher', 'UnixNativeDispatcher', 'Files.'):
            return 'system calls', 'file I/O'
        if has(stack, 'page_fault'):
            return 'system calls', 'page faults'
        return 'system calls', 'futex, scheduling'
    # AvroMapping.value: the export's second decoding of a step's fields for them (before StepRowFolder)
    if has(stack, 'StepStatistics', 'StepFigures', 'ErrorPatterns', 'HdrHistogram', 'StatisticsStore',
           'StepRowFolder', 'ByteKeys', 'AvroMapping.value'):
        return 'statistics', 'step statistics'
    if has(stack, 'Statistics', 'ColumnIndexBuilder', 'OffsetIndexBuilder', 'PrimitiveComparator'):
        return 'statistics', 'Parquet min/max, indexes'
    if has(stack, 'CopyRows', 'SendFormats', 'org/postgresql/copy', 'PGStream.receive',
           'QueryExecutorImpl.processCopyResults', 'readFromCopy'):
        return 'COPY decoding', ''
    if has(stack, 'org/apache/parquet', 'RowWriteSupport', 'ColumnCodec', 'AvroMapping', 'ByteBuffer.put',
           'OffHeapBuffers'):
        return 'column encoding', ''
    if thread.startswith('[purge') or has(stack, 'Ledger', 'Purge', 'org/postgresql', 'zaxxer'):
        return 'ledger, purge, JDBC', thread.split('-')[0].strip('[')
    if has(stack, 'springframework'):
        return 'Spring Batch overhead', ''
    return 'other', frames[-1][:60]


def main():
    path = sys.argv[1]
    interval = float(sys.argv[2]) if len(sys.argv) > 2 else 0.001
    parts = collections.Counter()
    detail = collections.defaultdict(collections.Counter)
    total = 0
    with open(path, errors='replace') as f:
        for line in f:
            stack, _, count = line.rstrip().rpartition(' ')
            count = int(count)
            total += count
            frames = stack.split(';')
            part, sub = classify(frames[0], stack, frames)
            parts[part] += count
            detail[part][sub] += count
    print(f'sampled {total * interval:.2f} CPU-s')
    for part, count in parts.most_common():
        subs = ', '.join(f'{s} {c * interval:.2f}' for s, c in detail[part].most_common(5) if s)
        print(f'{part:24s} {count * interval:6.2f} s {100 * count / total:5.1f} %  {subs}')


if __name__ == '__main__':
    main()
