package dev.pipelinearchiver.source;

/**
 * A column of a backend table as the catalog describes it.
 *
 * @param name column name
 * @param typeName base type name from {@code pg_type} (domains resolved), e.g. {@code int4}, {@code numeric}
 * @param category {@code pg_type.typcategory} of that type ({@code A} for arrays, {@code E} for enums, …)
 * @param notNull whether the column is declared NOT NULL
 * @param precision numeric precision, or -1 when unconstrained or not numeric
 * @param scale numeric scale, or -1 when unconstrained or not numeric
 */
public record SourceColumn(String name, String typeName, String category, boolean notNull, int precision, int scale) {}
