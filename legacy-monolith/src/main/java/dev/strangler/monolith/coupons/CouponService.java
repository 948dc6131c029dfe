package dev.strangler.monolith.coupons;

import dev.strangler.monolith.Timestamps;
import dev.strangler.monolith.problems.ApiProblem;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Issuing and listing coupons. Member ids are kept without checking them (docs/api.md). */
@Service
class CouponService {

  private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  private static final int GENERATED_LENGTH = 8;

  private final CouponLedger ledger;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  CouponService(CouponLedger ledger, Clock clock) {
    this.ledger = ledger;
    this.clock = clock;
  }

  /** @throws ApiProblem 409 {@code duplicate-coupon} when the given code exists */
  @Transactional
  Coupon issue(long memberId, IssueCouponRequest request) {
    BigDecimal discount = request.discount().setScale(2, RoundingMode.HALF_UP);
    Instant issuedAt = Timestamps.now(clock);
    if (request.code() != null) {
      if (!ledger.insert(request.code(), memberId, discount, issuedAt)) {
        throw ApiProblem.conflict("duplicate-coupon", "Coupon code taken",
            "A coupon with code " + request.code() + " already exists.");
      }
      return new Coupon(request.code(), memberId, discount, false, issuedAt);
    }
    // a clash among 36^8 codes is rare; retry a few times rather than fail the request
    for (int attempt = 0; attempt < 5; attempt++) {
      String code = generateCode();
      if (ledger.insert(code, memberId, discount, issuedAt)) {
        return new Coupon(code, memberId, discount, false, issuedAt);
      }
    }
    throw new IllegalStateException("could not generate a free coupon code");
  }

  @Transactional(readOnly = true)
  List<Coupon> list(long memberId) {
    return ledger.findByMember(memberId);
  }

  private String generateCode() {
    var code = new StringBuilder(GENERATED_LENGTH);
    for (int i = 0; i < GENERATED_LENGTH; i++) {
      code.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return code.toString();
  }
}
