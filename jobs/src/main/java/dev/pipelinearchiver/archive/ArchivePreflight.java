package dev.pipelinearchiver.archive;

import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.parquet.ParquetArchive;
import dev.pipelinearchiver.source.SourceCatalog;
import dev.pipelinearchiver.storage.ArchiveIoException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/** Checks, before a launch writes anything, what would otherwise make the archive job fail half-way. */
@Component
public class ArchivePreflight {

    private final SourceCatalog catalog;
    private final ParquetArchive archive;
    private final ArchiverProperties properties;
    private final SourcePrivileges privileges;
    private final JdbcTemplate jdbc;

    ArchivePreflight(SourceCatalog catalog, ParquetArchive archive, ArchiverProperties properties, JdbcTemplate jdbc) {
        this.catalog = catalog;
        this.archive = archive;
        this.properties = properties;
        this.privileges = new SourcePrivileges(jdbc);
        this.jdbc = jdbc;
    }

    /**
     * Checks what would make the job fail before any write (archive root, backend schema), so a bad
     * configuration is reported as such and not as a failed job.
     */
    public void preflight() {
        archive.checkWritable();
        privileges.checkSchemaUsage(properties.source().schema());
        privileges.checkTables(catalog.inspect());
    }

    /**
     * Refuses (exit 2, one line) to continue batches that an earlier launch of this shard wrote, but did
     * not purge, under another archive root than this launch's: finishing them here would leave one
     * cutoff's files under two roots. {@code --allow-root-change} skips the check.
     */
    public void checkUnfinishedBatchesRoot() {
        TreeMap<String, List<Long>> elsewhere = new TreeMap<>();
        jdbc.query(
                ArchiveSql.WRITTEN_FILES_OF_SHARD,
                rs -> {
                    String path = rs.getString(2);
                    if (!archive.storage().root().contains(path)) {
                        String root = path.substring(0, path.indexOf('/' + rs.getString(3) + "/dt="));
                        elsewhere.computeIfAbsent(root, r -> new ArrayList<>()).add(rs.getLong(1));
                    }
                },
                properties.shard().index());
        if (!elsewhere.isEmpty()) {
            var first = elsewhere.firstEntry();
            throw new ArchiveIoException(
                    "Batches " + first.getValue().stream().distinct().sorted().toList() + " were written under "
                            + first.getKey() + " and are not purged yet; this launch writes to " + archive.root()
                            + ": relaunch with that archive root to finish them, or pass --allow-root-change",
                    null);
        }
    }
}
