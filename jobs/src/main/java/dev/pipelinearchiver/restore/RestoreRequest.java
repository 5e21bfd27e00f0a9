package dev.pipelinearchiver.restore;

import java.time.LocalDate;
import java.util.List;

/**
 * Which archived runs to put back: explicit run ids, or every archived run of one day ({@code dt}).
 *
 * @param skipExisting restore the others when some of them already exist in PostgreSQL, instead of refusing
 */
public record RestoreRequest(List<Long> runIds, LocalDate dt, boolean skipExisting) {

    public RestoreRequest {
        if ((runIds == null) == (dt == null)) {
            throw new IllegalArgumentException("Give either run ids or a dt");
        }
        runIds = runIds == null ? null : List.copyOf(runIds);
    }

    public static RestoreRequest runs(List<Long> runIds, boolean skipExisting) {
        return new RestoreRequest(runIds, null, skipExisting);
    }

    public static RestoreRequest day(LocalDate dt, boolean skipExisting) {
        return new RestoreRequest(null, dt, skipExisting);
    }

    String describe() {
        return dt != null ? "dt=" + dt : "runs " + RestoreReport.ids(runIds);
    }
}
