import './base.css';
import './views.css';
import './runviews.css';
import './sweepview.css';
