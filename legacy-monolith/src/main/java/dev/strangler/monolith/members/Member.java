package dev.strangler.monolith.members;

import com.fasterxml.jackson.annotation.JsonFormat;
import java.time.Instant;

/**
 * A member as the API answers it: the e-mail normalised (trimmed, lower-case), never the password.
 *
 * @param id the member id
 * @param email the normalised e-mail
 * @param name the display name
 * @param phone the phone number
 * @param createdAt when the member signed up
 */
record Member(long id, String email, String name, String phone,
    @JsonFormat(shape = JsonFormat.Shape.STRING, pattern = "yyyy-MM-dd'T'HH:mm:ss.SSSX", timezone = "UTC")
    Instant createdAt) {}
