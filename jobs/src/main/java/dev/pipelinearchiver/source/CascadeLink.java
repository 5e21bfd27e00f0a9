package dev.pipelinearchiver.source;

/**
 * One hop of an {@code ON DELETE CASCADE} foreign key: {@code column} of a child table references
 * {@code parentColumn} of {@code parentTable}.
 */
public record CascadeLink(String constraint, String column, SourceTable parentTable, String parentColumn) {}
