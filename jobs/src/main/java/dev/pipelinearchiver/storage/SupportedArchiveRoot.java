package dev.pipelinearchiver.storage;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * An archive root of a supported scheme ({@link ArchiveRoot#SUPPORTED}), checked when the settings are
 * bound: an unsupported one stops the process with one line before anything else runs.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.FIELD, ElementType.PARAMETER, ElementType.RECORD_COMPONENT})
@Constraint(validatedBy = SupportedArchiveRoot.Validator.class)
public @interface SupportedArchiveRoot {

    String message() default "is not a supported archive root";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    final class Validator implements ConstraintValidator<SupportedArchiveRoot, String> {
        @Override
        public boolean isValid(String value, ConstraintValidatorContext context) {
            if (value == null || value.isBlank()) {
                return true; // @NotBlank says so
            }
            try {
                ArchiveRoot.parse(value);
                return true;
            } catch (ArchiveIoException e) {
                context.disableDefaultConstraintViolation();
                // the reason (the value is printed beside it), escaped for the message interpolation
                String reason = e.getMessage()
                        .substring(("Unsupported archive root " + value + ": ").length())
                        .replaceAll("([\\\\{}$])", "\\\\$1");
                context.buildConstraintViolationWithTemplate(reason).addConstraintViolation();
                return false;
            }
        }
    }
}
