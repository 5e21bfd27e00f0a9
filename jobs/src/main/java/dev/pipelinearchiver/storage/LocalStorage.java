package dev.pipelinearchiver.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

/**
 * The archive on a local (or mounted) file system. A file is written under a hidden temporary name in
 * its final directory, checked, fsynced and renamed into place, then the directory is fsynced: a reader
 * or a crash never sees half a file, and a file the ledger records survives a power cut. Files are
 * 0640 and directories 0750 (owner and group only).
 */
final class LocalStorage implements ArchiveStorage {

    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-r-----");
    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwxr-x---");

    private final ArchiveRoot root;
    private final Path directory;

    LocalStorage(ArchiveRoot root) {
        this.root = root;
        this.directory = Paths.get(root.path());
    }

    @Override
    public ArchiveRoot root() {
        return root;
    }

    private Path pathOf(String location) {
        String canonical = ArchiveRoot.canonical(location);
        if (!canonical.startsWith("file:")) {
            throw new IllegalArgumentException(location + " is not a local file");
        }
        return Paths.get(canonical.substring("file:".length()));
    }

    @Override
    public NewFile create(String location) throws IOException {
        Path target = pathOf(location);
        mkdirs(target.getParent());
        Path temporary = target.resolveSibling("." + target.getFileName() + ".tmp");
        FileChannel channel = FileChannel.open(
                temporary,
                Set.of(StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE),
                attribute(FILE_MODE));
        return new LocalFile(temporary, target, channel);
    }

    @Override
    public InputFile open(String location) throws IOException {
        Path path = pathOf(location);
        if (!Files.isRegularFile(path)) {
            throw new NoSuchFileException(location);
        }
        return new LocalInputFile(path);
    }

    @Override
    public long size(String location) throws IOException {
        Path path = pathOf(location);
        return Files.isRegularFile(path) ? Files.size(path) : -1;
    }

    @Override
    public List<String> listParquet(String relativeDirectory) throws IOException {
        List<String> files = new ArrayList<>();
        collect(directory.resolve(relativeDirectory), files);
        return files;
    }

    private void collect(Path dir, List<String> files) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> children;
        try (Stream<Path> list = Files.list(dir)) {
            children = list.sorted().toList();
        }
        for (Path child : children) {
            String name = child.getFileName().toString();
            if (name.startsWith(".") || name.startsWith("_")) {
                continue;
            }
            if (Files.isDirectory(child)) {
                collect(child, files);
            } else if (name.endsWith(".parquet")) {
                files.add("file:" + child);
            }
        }
    }

    @Override
    public void delete(String location) throws IOException {
        Files.deleteIfExists(pathOf(location));
    }

    @Override
    public void checkReadable() {
        if (Files.exists(directory) && !(Files.isDirectory(directory) && Files.isReadable(directory))) {
            throw new ArchiveIoException("The archive root " + root + " is not a readable directory", null);
        }
    }

    @Override
    public void checkWritable() {
        Path probe = directory.resolve("._write_probe-" + UUID.randomUUID());
        try {
            mkdirs(directory);
            Files.write(probe, new byte[] {0});
            Files.delete(probe);
        } catch (IOException | RuntimeException e) {
            throw new ArchiveIoException("The archive root " + root + " is not writable: " + e, e);
        }
    }

    /** A file system has no uploads: a killed launch's temporary files are overwritten by its rerun. */
    @Override
    public int removeAbandonedUploads(String fileTag) {
        return 0;
    }

    /** Creates a directory and its missing parents, each 0750 (createDirectories leaves parents at the umask). */
    private void mkdirs(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        if (dir.getParent() != null) {
            mkdirs(dir.getParent());
        }
        try {
            Files.createDirectory(dir, attribute(DIR_MODE));
            Files.setPosixFilePermissions(dir, DIR_MODE); // the umask may have taken bits away
        } catch (FileAlreadyExistsException raced) {
            if (!Files.isDirectory(dir)) {
                throw raced;
            }
        } catch (UnsupportedOperationException notPosix) {
            Files.createDirectories(dir);
        }
    }

    private static FileAttribute<?>[] attribute(Set<PosixFilePermission> mode) {
        return Directories.POSIX
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(mode)}
                : new FileAttribute<?>[0];
    }

    private static final class Directories {
        static final boolean POSIX = java.nio.file.FileSystems.getDefault()
                .supportedFileAttributeViews()
                .contains("posix");
    }

    /** fsync of a file or a directory. */
    private static void sync(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private static final class LocalFile implements NewFile {

        private final Path temporary;
        private final Path target;
        private final FileChannel channel;
        private boolean published;

        LocalFile(Path temporary, Path target, FileChannel channel) {
            this.temporary = temporary;
            this.target = target;
            this.channel = channel;
        }

        @Override
        public OutputFile output() {
            return new StreamOutputFile("file:" + target, this::stream);
        }

        private PositionOutputStream stream() {
            return new PositionOutputStream() {
                private long position;

                @Override
                public long getPos() {
                    return position;
                }

                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
                    while (buffer.hasRemaining()) {
                        channel.write(buffer);
                    }
                    position += len;
                }

                @Override
                public void close() throws IOException {
                    channel.close();
                }
            };
        }

        @Override
        public void publish(Check check) throws IOException {
            channel.close();
            check.check(new LocalInputFile(temporary));
            sync(temporary);
            try {
                // rename(2) replaces the target atomically
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("Cannot rename " + temporary + " into place atomically: " + e.getMessage(), e);
            }
            sync(target.getParent());
            if (Directories.POSIX) {
                Files.setPosixFilePermissions(target, FILE_MODE); // the umask may have taken bits away
            }
            published = true;
        }

        @Override
        public void close() throws IOException {
            if (!published) {
                try {
                    channel.close();
                } finally {
                    Files.deleteIfExists(temporary);
                }
            }
        }
    }
}
