package dev.pipelinearchiver.contract;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.LocalInputFile;

/**
 * The columns of a dataset as its files hold them, for the engines that need them spelled out: the
 * dataset's published Avro schema ({@code schema/avro/<dataset>.avsc}, the analysts' contract, on the
 * classpath), else for a local root the Avro schema parquet-avro keeps in the footer of the dataset's
 * newest file (a table archived beside the standard ones has no published schema).
 */
public final class DatasetSchemas {

    /** The footer key under which parquet-avro stores the file's Avro schema. */
    static final String AVRO_SCHEMA_KEY = "parquet.avro.schema";

    private DatasetSchemas() {}

    /**
     * The dataset's record schema.
     *
     * @throws IllegalArgumentException when neither a published schema nor a local file tells its columns
     */
    public static Schema of(ArchiveLocation root, String dataset) {
        return published(dataset)
                .or(() -> root.isLocal() ? newestFile(root.directory().resolve(dataset)) : Optional.empty())
                .orElseThrow(() -> new IllegalArgumentException("The dataset " + dataset
                        + " has no published schema (schema/avro/) and no file under " + root
                        + " to read its columns from; the duckdb engine reads them from the files."));
    }

    /** The published schema of a standard dataset, if there is one. */
    static Optional<Schema> published(String dataset) {
        try (InputStream in = DatasetSchemas.class.getResourceAsStream("/schema/avro/" + dataset + ".avsc")) {
            return in == null ? Optional.empty() : Optional.of(new Schema.Parser().parse(in));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the published schema of " + dataset, e);
        }
    }

    private static Optional<Schema> newestFile(Path dataset) {
        if (!Files.isDirectory(dataset)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.walk(dataset, 2)) {
            List<Path> parquet = files.filter(f ->
                            f.getParent().getFileName().toString().startsWith(TableDefinitions.PARTITION_COLUMN + "=")
                                    && !f.getFileName().toString().startsWith(".")
                                    && f.getFileName().toString().endsWith(".parquet"))
                    .sorted(Comparator.comparing(Path::toString).reversed()) // newest day first
                    .toList();
            for (Path file : parquet) {
                try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file))) {
                    String avro = reader.getFooter()
                            .getFileMetaData()
                            .getKeyValueMetaData()
                            .get(AVRO_SCHEMA_KEY);
                    if (avro != null) {
                        return Optional.of(new Schema.Parser().parse(avro));
                    }
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Cannot read the schema of the files under " + dataset + ": " + e.getMessage(), e);
        }
    }
}
