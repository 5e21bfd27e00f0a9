package dev.pipelinearchiver.contract;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The datasets a local archive root holds: its directories with at least one {@code dt=…/*.parquet} file. */
public final class ArchiveDatasets {

    private ArchiveDatasets() {}

    /**
     * The datasets under a local root, sorted by name. Directories whose names start with {@code _}
     * ({@code _manifests}) or {@code .} are not datasets; files whose names start with {@code .} are
     * in-flight temporary files and are not counted.
     */
    public static List<String> discover(ArchiveLocation root) {
        Path directory = root.directory();
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        List<String> datasets = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(directory, Files::isDirectory)) {
            for (Path child : children) {
                String name = child.getFileName().toString();
                if (!name.startsWith("_") && !name.startsWith(".") && hasDataFiles(child)) {
                    datasets.add(name);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list the archive root " + directory + ": " + e.getMessage(), e);
        }
        datasets.sort(null);
        return datasets;
    }

    private static boolean hasDataFiles(Path dataset) throws IOException {
        try (Stream<Path> partitions = Files.list(dataset)) {
            for (Path partition : (Iterable<Path>) partitions::iterator) {
                if (partition.getFileName().toString().startsWith(TableDefinitions.PARTITION_COLUMN + "=")
                        && Files.isDirectory(partition)) {
                    try (Stream<Path> files = Files.list(partition)) {
                        if (files.map(f -> f.getFileName().toString())
                                .anyMatch(f -> !f.startsWith(".") && f.endsWith(".parquet"))) {
                            return true;
                        }
                    }
                }
            }
        }
        return false;
    }
}
