-- The all-types table and its rows, as ColumnCodecTest builds them (ALL_TYPES_TABLE, ALL_TYPES_ROWS).
                CREATE TYPE mood AS ENUM ('calm', 'nervous', 'ünïcödé');
                CREATE DOMAIN short_text AS varchar(20);
                CREATE TABLE step_artifacts (
                    id bigserial PRIMARY KEY,
                    step_id integer NOT NULL REFERENCES pipeline_steps (id) ON DELETE CASCADE,
                    kind smallint, size_bytes bigint, score real, weight double precision,
                    price numeric(10,3), big numeric(38,10), ratio numeric, ok boolean, produced_on date,
                    produced_local timestamp, produced_at timestamptz, ref uuid, blob bytea, meta jsonb, doc json,
                    tags text[], feeling mood, took interval, code char(5), note text, label short_text, host inet,
                    tiny "char", owner name, summary xml);
                                INSERT INTO step_artifacts (step_id, kind, size_bytes, score, weight, price, big, ratio, ok, produced_on,
                    produced_local, produced_at, ref, blob, meta, doc, tags, feeling, took, code, note, label, host, tiny, owner, summary)
                SELECT s.id, v.kind, v.size_bytes, v.score, v.weight, v.price, v.big, v.ratio, v.ok, v.produced_on,
                       v.produced_local, v.produced_at, v.ref, v.blob, v.meta, v.doc, v.tags, v.feeling, v.took, v.code, v.note, v.label,
                       v.host, v.tiny, v.owner, v.summary
                FROM pipeline_steps s CROSS JOIN (VALUES
                  ((-32768)::smallint, 9223372036854775807::bigint, 1.5::real, 2.718281828459045::float8, -1234567.891::numeric(10,3),
                   -1234567890123456789012345678.0123456789::numeric(38,10), 1.50::numeric, true, '1999-12-31'::date,
                   '2026-05-10 12:34:56.789012'::timestamp, '2026-05-10T12:34:56.789012+02:00'::timestamptz,
                   'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::uuid, '\x00ff10'::bytea, '{"k": [1, {"n": null}], "é": "✓"}'::jsonb,
                   '{"keep":  "spacing"}'::json, ARRAY['a', 'b c', NULL], 'ünïcödé'::mood, '1 day 02:03:04'::interval, 'ab'::char(5),
                   E'tab\there\nnewline \u00e9 \U0001F680', 'dömäin'::short_text, '10.1.2.3/32'::inet, 'x'::"char", 'pg_name'::name,
                   '<a b="c">d</a>'::xml),
                  (32767::smallint, (-9223372036854775808)::bigint, 'NaN'::real, '-Infinity'::float8, 0.001::numeric(10,3),
                   0::numeric(38,10), -0.000001::numeric, false, '0044-03-15 BC'::date,
                   '1900-01-01 00:00:00'::timestamp, '1969-12-31T23:59:59.999999Z'::timestamptz,
                   '00000000-0000-0000-0000-000000000000'::uuid, ''::bytea, '[]'::jsonb, '  [1,2]  '::json, '{}'::text[], 'calm'::mood,
                   '-3 mons'::interval, ''::char(5), '', '', '::1'::inet, ' '::"char", ''::name, '<x/>'::xml),
                  (0::smallint, 0::bigint, -0.0::real, 1e308::float8, -0.5::numeric(10,3),
                   99999999.9999999999::numeric(38,10), 123456789012345678901234567890.12345678901234567890::numeric, NULL, '2262-04-11'::date,
                   '2262-04-11 23:47:16.854775'::timestamp, '0001-01-01T00:00:00Z'::timestamptz,
                   'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid, decode(repeat('ab', 70000), 'hex'), '"\"quoted\" ☃"'::jsonb, 'null'::json,
                   ARRAY['{"q": "\"x\""}'], NULL, NULL, 'abcde'::char(5), repeat('long ', 100000), NULL, '192.168.0.0/16'::inet, NULL,
                   NULL, NULL)
                ) AS v(kind, size_bytes, score, weight, price, big, ratio, ok, produced_on, produced_local, produced_at, ref, blob, meta,
                       doc, tags, feeling, took, code, note, label, host, tiny, owner, summary)
                WHERE s.seq = 1;
                INSERT INTO step_artifacts (step_id) SELECT id FROM pipeline_steps WHERE seq = 2;
                