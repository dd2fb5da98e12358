'use client';

import { useT } from './i18n';

/** DB-IP's CC BY 4.0 licence requires this attribution wherever its GeoIP data is shown. */
export function Footer() {
  const t = useT();
  return (
    <footer className="footer">
      <span>{t('footer.product')}</span>
      <span className="footer-attribution" data-testid="geoip-attribution">
        <a href="https://db-ip.com/" target="_blank" rel="noreferrer">
          IP Geolocation by DB-IP
        </a>{' '}
        {t('footer.licensedUnder')}{' '}
        <a href="https://creativecommons.org/licenses/by/4.0/" target="_blank" rel="noreferrer">
          CC BY 4.0
        </a>
      </span>
    </footer>
  );
}
